"""The catalogue of monitored product categories and the platforms, shipped as data."""
