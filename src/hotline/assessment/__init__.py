"""Rankings (排名) and assessment (考核): peer-group rankings per week and month, movement, the
watchlist and the red and black lists, closed periods kept as snapshots; never writes tickets."""
