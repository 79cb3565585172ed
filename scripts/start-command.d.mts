/** The command `npm start` runs, as node's arguments: its flags, then the script (scripts/start-command.mjs). */
export declare function startCommand(): string[];
