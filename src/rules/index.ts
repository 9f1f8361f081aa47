export { RuleSyntaxError, tokenize } from './lexer.js';
export { parseRule, type RuleAction, type RuleAst } from './parser.js';
export { compileRules, DEFAULT_FIELDS, type CompiledRule, type FieldAccessor, type FieldType, type FieldValue } from './compile.js';
export { applyRules, pinFields, type RuleOutcome } from './apply.js';
export { applyDefaultFilters, exclusionsFromActions, isExpired, parseExcludeList, type DefaultFilterInput, type FilterOutcome } from './filters.js';
