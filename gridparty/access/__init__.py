"""Service access: tiered service centres, network distances, life-circle bands, post siting."""
