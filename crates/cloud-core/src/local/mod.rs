//! Local storage backends on `object_store`: [`LocalStorage`] (a directory) and [`MemoryStorage`].
