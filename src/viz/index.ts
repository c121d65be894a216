// Public API of netrunbook/viz; modules add their exports here.
export {};
