/** A reason the stack cannot start that the operator can act on: printed as one line, no stack trace. */
export class StackError extends Error {}
