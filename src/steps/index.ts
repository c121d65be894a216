// Public API of netrunbook/steps; modules add their exports here.
export {};
