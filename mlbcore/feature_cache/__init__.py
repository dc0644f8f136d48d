"""The Redis feature cache: signed rows keyed by what each game knew at its cutoff
(``knowledge``), stored and validated (``store``), read through with only the misses
built (``cached_features``)."""
