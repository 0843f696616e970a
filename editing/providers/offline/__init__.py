"""The offline providers: look vocabulary, rule-based prompt editor, procedural generator, music bed."""
