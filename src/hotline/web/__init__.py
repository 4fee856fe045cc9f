"""The HTTP shell shared by every package: dependencies, errors, docs, static assets."""
