"""Follow-up (回访): a task per approved reply, answered by an operator or by SMS (docs/follow-up.md)."""
