"""Pure incident rules: severities, roles, status machine, grammar, naming and durations."""
