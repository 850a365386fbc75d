"""CSV imports: participants and course sessions.

Each import checks the whole file first (`check_*`), then applies the good rows (`apply_*`).
Nothing here commits: the caller owns the transaction, so a file with bad rows can be refused
before a single row is written.
"""
