"""Doorstep's shared code: integration-event contracts and the plumbing every service uses."""
