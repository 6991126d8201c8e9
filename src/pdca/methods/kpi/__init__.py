"""KPI catalogue, SLA clocks and business calendars (the "Check" of the Deming cycle)."""
