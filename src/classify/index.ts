// Public API of netrunbook/classify; modules add their exports here.
export {};
