"""The audit of admin changes and routing decisions: who, when, what, before and after."""
