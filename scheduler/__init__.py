"""Nightly pipeline jobs, purchase planning and the clock they run on."""
