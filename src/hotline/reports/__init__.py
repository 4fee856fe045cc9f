"""The weekly and monthly reports (周报、月报): one set of figures, shown as a printable page and
written as an Excel workbook. Read-only: the figures come from `analytics.queries` (the same
numbers as `GET /api/v1/rates`) and the listed cases from `tickets.queries`."""
