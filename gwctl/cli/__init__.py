"""The `gwctl` command line: commands that parse, call one function and print."""
