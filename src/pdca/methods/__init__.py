"""Methods: measure (kpi), analyse (mining), control (spc) — built on the engine layer."""
