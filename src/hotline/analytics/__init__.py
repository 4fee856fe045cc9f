"""Assessment: rates per unit, district, category and channel, read from ticket facts; never writes tickets."""
