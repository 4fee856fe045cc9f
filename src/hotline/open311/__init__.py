"""The only place that speaks Open311 GeoReport v2: services, requests, tokens, API keys."""
