DROP TABLE tool_call_keys;
