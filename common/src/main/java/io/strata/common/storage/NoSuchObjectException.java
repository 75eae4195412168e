package io.strata.common.storage;

import java.io.FileNotFoundException;

/** The object store holds nothing under this key. */
public class NoSuchObjectException extends FileNotFoundException {
    public NoSuchObjectException(String key) {
        super("no object under key " + key);
    }
}
