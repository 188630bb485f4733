"""What an account's settings alone generate, the same every time: tickets, people,
structure, conversations, and the ids two accounts of one universe share or keep apart.
"""
