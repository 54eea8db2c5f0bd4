// governor/runtime: the gate that ships into users' agents (being built, see issue 2).
export {};
