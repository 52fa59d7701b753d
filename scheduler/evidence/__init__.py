"""Evidence for the city's yearly evaluation (issue 27): what was handled at each stop, and the figures over a period.

- `scheduler.evidence.records`: what a 完了 at a stop recorded (services with counts, walk-ins,
  boxes and amount collected, passengers), validated and stored;
- `scheduler.evidence.stats`: the figures of a period grouped by district, site, vehicle, service
  or month, the month trend against last year, and the reach per district;
- `scheduler.evidence.population`: the optional population per district (CSV import);
- `scheduler.evidence.simulate`: weeks of the sample district played day by day, for a history.
"""
