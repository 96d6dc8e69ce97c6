/** `readline/promises`: the Interface whose question() returns a Promise. */
import readline from "node:readline";

export default readline.promises;
