// Public API of netrunbook/notebook; modules add their exports here.
export {};
