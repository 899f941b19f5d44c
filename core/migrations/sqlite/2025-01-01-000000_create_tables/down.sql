DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE tasks;
