"""The authorisation service: risk assessments, policy packs, and the decision on each visit."""
