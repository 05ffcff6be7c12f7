"""From retrieved passages to a short answer in which every statement is cited."""
