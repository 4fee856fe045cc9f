"""The grid worker (网格员): reports from the street, assignments on a phone, verification on site."""
