"""The Textual app: screens and widgets that render state and send commands; no business logic."""
