"""Evidence for the city's yearly evaluation (issue 27): what was handled at each stop, and the figures over a period.

- `scheduler.evidence.records`: what a 完了 at a stop recorded (services with counts, walk-ins,
  boxes and amount collected, passengers), validated and stored;
- `scheduler.evidence.stats`: the figures of a period grouped by district, site, vehicle, service
  or month, the month trend against last year, and the reach per district;
- `scheduler.evidence.facts`: what the figures count, read from the raw rows (reports, routes,
  left-out requests, cancellations);
- `scheduler.evidence.summary`: those facts summed day by day, kept by the store's writes, so a
  question over a year reads few rows (`odekake evidence rebuild` sums again);
- `scheduler.evidence.population`: the optional population per district (CSV import);
- `scheduler.evidence.simulate`: weeks of the sample district played day by day, for a history.
"""
