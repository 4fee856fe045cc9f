"""Units, people, roles and categories: who is who in the city, and what they are responsible for."""
