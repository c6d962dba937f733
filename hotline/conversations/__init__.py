"""The conversations: every turn stored (:class:`ChatTurn`) and read back (:class:`ConversationLog`)."""
