"""What every layer shares, importing nothing else of gwctl: the account model, the provider
registry (the schemas), logo rules, fingerprints, problems, typed views of the API's data."""
