"""One module per platform: its hosts, endpoints and shapes, so that a change on a platform is one edit."""
