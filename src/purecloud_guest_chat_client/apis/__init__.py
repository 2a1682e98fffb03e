"""The API operation groups; the Guest Chat API has one, ``WebChatApi``."""
