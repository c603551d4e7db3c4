/** The mini-app SDK: runs inside a mini app's iframe and talks to the Jiaozi host. */
export {};
