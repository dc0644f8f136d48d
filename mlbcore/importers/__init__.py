"""Importers for the data real users have: Retrosheet game logs, Pinnacle line histories
and the sportsbookreviewsonline (SBR) odds archive, into the snapshot schema."""
