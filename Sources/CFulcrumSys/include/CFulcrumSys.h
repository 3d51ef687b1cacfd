int fulcrum_placeholder(void);
