// governor/register: creates the default governor from the environment (being built, see issue 2).
export {};
