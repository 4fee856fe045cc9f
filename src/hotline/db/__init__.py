"""Engine, sessions, transactions and migrations. No business rules live here."""
