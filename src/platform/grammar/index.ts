/**
 * The `/ops` argument grammar: a subcommand declares its arguments once with `args(...)`, and the same declaration
 * parses the user's words into a typed value, renders the usage line and lists the arguments for help, so the three
 * cannot drift apart. The router tokenizes the command text, matches the subcommand words, and hands the remaining
 * tokens to `grammar.parse`.
 */
export { type ArgHelp, type ArgsOf, args, type Grammar } from './args.js';
export { GrammarError } from './grammar-error.js';
export { keyword, optional, type Part, type PartInfo, pairs, rest } from './parts.js';
export { literal, MAX_TEXT, type Token, type TokenKind, tokenize } from './tokenize.js';
export { channel, choice, duration, identifier, integer, percent, text, user, version, word } from './values.js';
