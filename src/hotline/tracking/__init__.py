"""Citizens follow their request like a parcel, by tracking code, seeing no one's personal data."""
