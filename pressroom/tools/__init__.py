"""The only modules that run external tools: one module per tool."""
