"""The Replicate video generator and the fenced download of its outputs."""
