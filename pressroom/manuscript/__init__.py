"""Reading, validating and importing manuscripts."""
