"""Easy-read copy, survey definitions and safeguarding phrases, kept as data."""
