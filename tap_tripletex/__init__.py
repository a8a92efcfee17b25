"""Singer tap for the Tripletex API v2."""
