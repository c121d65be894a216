// Cell constructors for runbook sources (files starting with "_" are not runbooks).
export const md = (source) => ({ type: 'md', source });
export const code = (source, tags) => ({ type: 'code', source, ...(tags ? { tags } : {}) });
